"""Every read the insights pages need.

``dashboard()`` reads only the rollup tables (see ``insights.models``) plus one live list, the
questions still waiting for an answer, so the page costs a fixed number of queries whatever
the size of the community. Each aggregate compares the chosen period with the one just before
it in the same query (conditional aggregates), and every median is a single ``Median``
aggregate over per-question or per-flag rows.

Each table the page shows is built here as a ``Table`` of ``Cell``s; the page and its CSV
export render the same object, so they always agree.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, IntegerField, Max, Q, Sum
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Organization
from forums.models import Space, Thread

from .aggregates import Median
from .models import (
    DailyMemberActivity,
    DailyMemberStats,
    DailyStats,
    DailyTagStats,
    DailyTermMentions,
    FlagFacts,
    QuestionFacts,
    ShareOfVoiceTerm,
)

TOP_LIMIT = 10
UNANSWERED_LIMIT = 50
NO_ORGANIZATION = "No organization"


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        return Period(
            start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def label(self) -> str:
        if self.start.year == self.end.year:
            return f"{date_format(self.start, 'j M')} to {date_format(self.end, 'j M Y')}"
        return f"{date_format(self.start, 'j M Y')} to {date_format(self.end, 'j M Y')}"

    def q(self, field_name: str = "date") -> Q:
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lte": self.end})


def format_count(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def format_percent(value) -> str:
    return "—" if value is None else f"{value:.0f}%"


def format_duration(seconds) -> str:
    """3 h 20 min, 2 d 4 h, 12 min; — when there is nothing to measure."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def share(part, whole) -> float | None:
    return None if not whole else 100.0 * (part or 0) / whole


def hours(seconds) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


@dataclass
class Cell:
    """One table cell: ``text`` for the page, ``value`` for the CSV file, maybe a link."""

    text: str
    value: object = None
    url: str = ""
    pill: str = ""

    @property
    def csv_value(self):
        return self.text if self.value is None else self.value


def count_cell(value) -> Cell:
    return Cell(format_count(value), value if value is not None else "")


def percent_cell(value) -> Cell:
    return Cell(format_percent(value), "" if value is None else round(value, 1))


def duration_cell(seconds) -> Cell:
    return Cell(format_duration(seconds), "" if seconds is None else hours(seconds))


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    empty: str = "Nothing in this period."
    csv_columns: list[str] | None = None
    numeric_from: int = 1  # columns from this index on are numbers, aligned right

    def header_for_csv(self) -> list[str]:
        return self.csv_columns or self.columns


@dataclass
class Metric:
    label: str
    current: float | None
    previous: float | None
    kind: str = "count"  # count, percent or duration
    better: str = "higher"  # higher, lower or "" when neither is better
    note: str = ""

    def _format(self, value) -> str:
        return {"count": format_count, "percent": format_percent, "duration": format_duration}[
            self.kind
        ](value)

    @property
    def text(self) -> str:
        return self._format(self.current)

    @property
    def previous_text(self) -> str:
        return self._format(self.previous)

    @property
    def change(self) -> str:
        """How the period compares with the one before, in words for a small label."""
        if self.current is None or self.previous is None:
            return ""
        delta = self.current - self.previous
        if self.kind == "percent":
            return f"{delta:+.0f} pts" if round(delta) else "no change"
        if self.kind == "duration":
            if not round(delta):
                return "no change"
            faster = "faster" if delta < 0 else "slower"
            return f"{format_duration(abs(delta))} {faster}"
        if not delta:
            return "no change"
        if not self.previous:
            return f"{delta:+,.0f}"
        return f"{delta:+,.0f} ({100 * delta / self.previous:+.0f}%)"

    @property
    def trend(self) -> str:
        """up, down or flat; and whether that is good, for the colour."""
        if self.current is None or self.previous is None or not round(self.current - self.previous):
            return "flat"
        return "up" if self.current > self.previous else "down"

    @property
    def mood(self) -> str:
        if self.trend == "flat" or not self.better:
            return "neutral"
        good = (self.trend == "up") == (self.better == "higher")
        return "good" if good else "bad"

    @property
    def delta(self):
        """The change as a number for the CSV file: points for shares, hours for times."""
        if self.current is None or self.previous is None:
            return ""
        delta = self.current - self.previous
        return hours(delta) if self.kind == "duration" else round(delta, 1)

    def csv_row(self) -> list:
        def raw(value):
            if value is None:
                return ""
            if self.kind == "duration":
                return hours(value)
            return round(value, 1)

        unit = {"percent": " (%)", "duration": " (hours)"}.get(self.kind, "")
        return [self.label + unit, raw(self.current), raw(self.previous)]


@dataclass
class DailyPoint:
    day: date
    threads: int = 0
    questions: int = 0
    posts: int = 0


@dataclass
class TermSeries:
    term: ShareOfVoiceTerm
    by_day: dict[date, int]
    current: int
    previous: int


@dataclass
class Dashboard:
    period: Period
    previous: Period
    space: Space | None
    organization: Organization | None
    unanswered_hours: int
    metric_groups: list[tuple[str, list[Metric]]]
    daily: list[DailyPoint]
    terms: list[TermSeries]
    tables: dict[str, Table] = field(default_factory=dict)
    unanswered_total: int = 0

    def table(self, name: str) -> Table:
        return self.tables[name]


TABLE_NAMES = (
    "metrics",
    "daily",
    "contributors",
    "tags",
    "rising",
    "spaces",
    "organizations",
    "terms",
    "unanswered",
)


def dashboard(
    *,
    viewer,
    period: Period,
    previous: Period | None = None,
    space: Space | None = None,
    organization: Organization | None = None,
    unanswered_hours: int = 48,
    now=None,
) -> Dashboard:
    previous = previous or period.previous()
    both = Period(start=min(previous.start, period.start), end=max(previous.end, period.end))
    visible = Space.objects.visible_to(viewer).values("pk")
    where = Q(space__in=visible)
    if space is not None:
        where &= Q(space=space)
    if organization is not None:
        where &= Q(organization=organization)
    cur, prev = period.q(), previous.q()

    # 1. Sums per day, both periods in one query.
    sums = DailyStats.objects.filter(where, both.q()).aggregate(
        **{
            f"{name}_{which}": Sum(name, filter=q, default=0)
            for name in ("threads", "questions", "posts", "replies", "reactions", "deflections")
            for which, q in (("cur", cur), ("prev", prev))
        }
    )
    # 2. Questions: counts and medians, both periods.
    qcur, qprev = period.q("asked_on"), previous.q("asked_on")
    questions = QuestionFacts.objects.filter(where, both.q("asked_on")).aggregate(
        **{
            f"{name}_{which}": aggregate
            for which, q in (("cur", qcur), ("prev", qprev))
            for name, aggregate in (
                ("asked", Count("pk", filter=q)),
                ("answered", Count("pk", filter=q & Q(answered=True))),
                ("solved", Count("pk", filter=q & Q(solved=True))),
                ("peer", Count("pk", filter=q & Q(answered_by_peer=True))),
                ("first_reply", Median("first_reply_seconds", filter=q)),
                ("first_staff", Median("first_staff_reply_seconds", filter=q)),
            )
        }
    )
    # 3. Flags and how long moderators took.
    fcur, fprev = period.q("raised_on"), previous.q("raised_on")
    flags = FlagFacts.objects.filter(where, both.q("raised_on")).aggregate(
        flags_cur=Count("pk", filter=fcur),
        flags_prev=Count("pk", filter=fprev),
        turnaround_cur=Median("turnaround_seconds", filter=fcur),
        turnaround_prev=Median("turnaround_seconds", filter=fprev),
    )
    # 4. Members: new ones (not per space: joining is site-wide) and active ones.
    if space is None:
        member_where = Q(organization=organization) if organization is not None else Q()
        joined = DailyMemberStats.objects.filter(member_where, both.q()).aggregate(
            cur=Sum("new_members", filter=cur, default=0),
            prev=Sum("new_members", filter=prev, default=0),
        )
        activity_where = (Q(space__isnull=True) | Q(space__in=visible)) & member_where
    else:
        joined = {"cur": None, "prev": None}
        activity_where = where
    active = DailyMemberActivity.objects.filter(activity_where, both.q()).aggregate(
        cur=Count("user", filter=cur, distinct=True),
        prev=Count("user", filter=prev, distinct=True),
    )

    def pair(source, name):
        return source[f"{name}_cur"], source[f"{name}_prev"]

    asked = pair(questions, "asked")
    answered = pair(questions, "answered")
    metric_groups = [
        (
            "Members",
            [
                Metric(
                    "New members",
                    joined["cur"],
                    joined["prev"],
                    note="Site-wide only" if space is not None else "",
                ),
                Metric("Active members", active["cur"], active["prev"]),
            ],
        ),
        (
            "Activity",
            [
                Metric("Threads", *pair(sums, "threads")),
                Metric("Posts", *pair(sums, "posts")),
                Metric("Reactions", *pair(sums, "reactions")),
                Metric("Deflections", *pair(sums, "deflections")),
            ],
        ),
        (
            "Questions",
            [
                Metric("Questions asked", *asked),
                Metric(
                    "Answered",
                    share(answered[0], asked[0]),
                    share(answered[1], asked[1]),
                    kind="percent",
                ),
                Metric(
                    "Solved",
                    share(questions["solved_cur"], asked[0]),
                    share(questions["solved_prev"], asked[1]),
                    kind="percent",
                ),
                Metric(
                    "Answered by peers",
                    share(questions["peer_cur"], answered[0]),
                    share(questions["peer_prev"], answered[1]),
                    kind="percent",
                    note="of answered questions",
                ),
                Metric(
                    "Median first reply",
                    *pair(questions, "first_reply"),
                    kind="duration",
                    better="lower",
                ),
                Metric(
                    "Median first staff reply",
                    *pair(questions, "first_staff"),
                    kind="duration",
                    better="lower",
                ),
            ],
        ),
        (
            "Moderation",
            [
                Metric("Flags raised", *pair(flags, "flags"), better=""),
                Metric(
                    "Median moderation turnaround",
                    *pair(flags, "turnaround"),
                    kind="duration",
                    better="lower",
                ),
            ],
        ),
    ]
    board = Dashboard(
        period=period,
        previous=previous,
        space=space,
        organization=organization,
        unanswered_hours=unanswered_hours,
        metric_groups=metric_groups,
        daily=_daily(where, period),
        terms=_terms(where, period, previous, both),
    )
    board.tables["metrics"] = _metrics_table(board)
    board.tables["daily"] = _daily_table(board.daily)
    board.tables["contributors"] = _contributors(where, period)
    board.tables["tags"], board.tables["rising"] = _tags(where, period, previous, both)
    board.tables["spaces"] = _spaces(where, period)
    board.tables["organizations"] = _organizations(where, period, space, organization, visible)
    board.tables["terms"] = _terms_table(board.terms)
    board.tables["unanswered"], board.unanswered_total = _unanswered(
        viewer, space, organization, unanswered_hours, now or timezone.now()
    )
    return board


def _daily(where: Q, period: Period) -> list[DailyPoint]:
    rows = (
        DailyStats.objects.filter(where, period.q())
        .values("date")
        .annotate(threads=Sum("threads"), questions=Sum("questions"), posts=Sum("posts"))
        .order_by("date")
    )
    by_day = {row["date"]: row for row in rows}
    points = []
    for day in period.dates():
        row = by_day.get(day) or {}
        points.append(
            DailyPoint(
                day=day,
                threads=row.get("threads") or 0,
                questions=row.get("questions") or 0,
                posts=row.get("posts") or 0,
            )
        )
    return points


def _terms(where: Q, period: Period, previous: Period, both: Period) -> list[TermSeries]:
    terms = list(ShareOfVoiceTerm.objects.order_by("term"))
    if not terms:
        return []
    rows = (
        DailyTermMentions.objects.filter(where, both.q())
        .values("term_id", "date")
        .annotate(n=Sum("mentions"))
        .order_by()
    )
    series = {term.pk: TermSeries(term=term, by_day={}, current=0, previous=0) for term in terms}
    for row in rows:
        item = series.get(row["term_id"])
        if item is None:
            continue
        if period.start <= row["date"] <= period.end:
            item.by_day[row["date"]] = row["n"]
            item.current += row["n"]
        elif previous.start <= row["date"] <= previous.end:
            item.previous += row["n"]
    return list(series.values())


def _metrics_table(board: Dashboard) -> Table:
    rows = []
    for group, metrics in board.metric_groups:
        for metric in metrics:
            label, current, previous = metric.csv_row()
            rows.append(
                [
                    Cell(group),
                    Cell(metric.label, label),
                    Cell(metric.text, current),
                    Cell(metric.previous_text, previous),
                    Cell(metric.change, metric.delta),
                ]
            )
    return Table(
        name="metrics",
        title="Summary",
        columns=["Group", "Measure", "This period", "Previous period", "Change"],
        csv_columns=["Group", "Measure", "This period", "Previous period", "Change"],
        rows=rows,
        numeric_from=2,
    )


def _daily_table(points: list[DailyPoint]) -> Table:
    return Table(
        name="daily",
        title="Daily activity",
        columns=["Day", "Threads", "Questions", "Posts"],
        rows=[
            [
                Cell(date_format(p.day, "D j M Y"), p.day.isoformat()),
                count_cell(p.threads),
                count_cell(p.questions),
                count_cell(p.posts),
            ]
            for p in points
        ],
    )


def _contributors(where: Q, period: Period) -> Table:
    # Closed accounts are nobody to thank: "Former member" holds deleted members' posts.
    rows = (
        DailyMemberActivity.objects.filter(where, period.q(), user__is_active=True)
        .values("user_id", "user__username", "user__display_name")
        .annotate(
            posts=Sum("posts"),
            solutions=Sum("solutions"),
            reactions=Sum("reactions"),
            staff=Max(Cast("is_staff_member", IntegerField())),
        )
        .filter(posts__gt=0)
        .order_by("-posts", "-solutions", "user__username")[:TOP_LIMIT]
    )
    return Table(
        name="contributors",
        title="Top contributors",
        columns=["Member", "Posts", "Accepted answers", "Reactions given"],
        csv_columns=["Member", "Posts", "Accepted answers", "Reactions given", "Staff"],
        rows=[
            [
                Cell(
                    row["user__display_name"] or row["user__username"],
                    row["user__username"],
                    url=reverse("accounts:profile", kwargs={"username": row["user__username"]}),
                    pill="Staff" if row["staff"] else "",
                ),
                count_cell(row["posts"]),
                count_cell(row["solutions"]),
                count_cell(row["reactions"]),
            ]
            for row in rows
        ],
        empty="Nobody posted in this period.",
    )


def _tags(where: Q, period: Period, previous: Period, both: Period) -> tuple[Table, Table]:
    base = (
        DailyTagStats.objects.filter(where, both.q())
        .values("tag__name", "tag__slug")
        .annotate(
            current=Sum("threads", filter=period.q(), default=0),
            before=Sum("threads", filter=previous.q(), default=0),
        )
        .filter(current__gt=0)
    )
    top = base.order_by("-current", "tag__name")[:TOP_LIMIT]
    rising = (
        base.annotate(growth=F("current") - F("before"))
        .filter(growth__gt=0)
        .order_by("-growth", "-current", "tag__name")[:TOP_LIMIT]
    )

    def table(name, title, rows, empty):
        return Table(
            name=name,
            title=title,
            columns=["Tag", "Threads", "Previous period", "Change"],
            rows=[
                [
                    Cell(
                        row["tag__name"],
                        url=reverse("forums:tag", kwargs={"slug": row["tag__slug"]}),
                    ),
                    count_cell(row["current"]),
                    count_cell(row["before"]),
                    Cell(f"{row['current'] - row['before']:+,}", row["current"] - row["before"]),
                ]
                for row in rows
            ],
            empty=empty,
        )

    return (
        table("tags", "Top tags", top, "No tagged threads in this period."),
        table("rising", "Rising tags", rising, "No tag grew compared with the previous period."),
    )


def _labelled(rows, key: str) -> dict:
    """Rows keyed by ``key`` (a space or organization id), each keeping its name and slug."""
    related = key.removesuffix("_id")
    return {
        row[key]: {**row, "name": row[f"{related}__name"], "slug": row[f"{related}__slug"]}
        for row in rows
    }


def _grouped(qs, key: str, **aggregates) -> dict:
    related = key.removesuffix("_id")
    return _labelled(
        qs.values(key, f"{related}__name", f"{related}__slug").annotate(**aggregates).order_by(),
        key,
    )


def _breakdown(where: Q, activity_where: Q, period: Period, key: str) -> list[dict]:
    """Everything one row of a per-space or per-organization table needs: four queries."""
    stats = _grouped(
        DailyStats.objects.filter(where, period.q()),
        key,
        threads=Sum("threads"),
        posts=Sum("posts"),
        deflections=Sum("deflections"),
    )
    questions = _grouped(
        QuestionFacts.objects.filter(where, period.q("asked_on")),
        key,
        asked=Count("pk"),
        answered=Count("pk", filter=Q(answered=True)),
        solved=Count("pk", filter=Q(solved=True)),
        first_reply=Median("first_reply_seconds"),
    )
    active = _grouped(
        DailyMemberActivity.objects.filter(activity_where, period.q()),
        key,
        active=Count("user", distinct=True),
    )
    flags = _grouped(FlagFacts.objects.filter(where, period.q("raised_on")), key, flags=Count("pk"))
    merged: dict = {}
    for source in (stats, questions, active, flags):
        for pk, row in source.items():
            merged.setdefault(pk, {"pk": pk, "name": row["name"], "slug": row["slug"]}).update(
                {k: v for k, v in row.items() if not k.startswith(key.removesuffix("_id"))}
            )
    return sorted(merged.values(), key=lambda row: (row["pk"] is None, (row["name"] or "").lower()))


def _activity_cells(row: dict) -> list:
    """Threads, posts, questions, answered and solved shares and the median first reply of
    one breakdown row, as both breakdown tables show them."""
    return [
        count_cell(row.get("threads") or 0),
        count_cell(row.get("posts") or 0),
        count_cell(row.get("asked") or 0),
        percent_cell(share(row.get("answered"), row.get("asked"))),
        percent_cell(share(row.get("solved"), row.get("asked"))),
        duration_cell(row.get("first_reply")),
    ]


def _spaces(where: Q, period: Period) -> Table:
    rows = []
    for row in _breakdown(where, where, period, "space_id"):
        rows.append(
            [
                Cell(row["name"], url=reverse("forums:space", kwargs={"slug": row["slug"]})),
                *_activity_cells(row),
                count_cell(row.get("active") or 0),
                count_cell(row.get("flags") or 0),
                count_cell(row.get("deflections") or 0),
            ]
        )
    return Table(
        name="spaces",
        title="By space",
        columns=[
            "Space",
            "Threads",
            "Posts",
            "Questions",
            "Answered",
            "Solved",
            "Median first reply",
            "Active members",
            "Flags",
            "Deflections",
        ],
        csv_columns=[
            "Space",
            "Threads",
            "Posts",
            "Questions",
            "Answered (%)",
            "Solved (%)",
            "Median first reply (hours)",
            "Active members",
            "Flags",
            "Deflections",
        ],
        rows=rows,
        empty="No activity in any space in this period.",
    )


def _organizations(
    where: Q, period: Period, space: Space | None, organization: Organization | None, visible
) -> Table:
    member_where = Q(organization=organization) if organization is not None else Q()
    if space is None:
        activity_where = (Q(space__isnull=True) | Q(space__in=visible)) & member_where
    else:
        activity_where = where
    breakdown = _breakdown(where, activity_where, period, "organization_id")
    joined: dict = {}
    if space is None:
        joined = _grouped(
            DailyMemberStats.objects.filter(member_where, period.q()),
            "organization_id",
            new_members=Sum("new_members"),
        )
        known = {row["pk"] for row in breakdown}
        breakdown += [
            {"pk": pk, "name": row["name"], "slug": row["slug"]}
            for pk, row in joined.items()
            if pk not in known
        ]
        breakdown.sort(key=lambda row: (row["pk"] is None, (row["name"] or "").lower()))
    rows = []
    for row in breakdown:
        new_members = (joined.get(row["pk"]) or {}).get("new_members") or 0
        rows.append(
            [
                Cell(row["name"] or NO_ORGANIZATION),
                count_cell(new_members if space is None else None),
                count_cell(row.get("active") or 0),
                *_activity_cells(row),
                count_cell(row.get("flags") or 0),
            ]
        )
    return Table(
        name="organizations",
        title="By organization",
        columns=[
            "Organization",
            "New members",
            "Active members",
            "Threads",
            "Posts",
            "Questions",
            "Answered",
            "Solved",
            "Median first reply",
            "Flags",
        ],
        csv_columns=[
            "Organization",
            "New members",
            "Active members",
            "Threads",
            "Posts",
            "Questions",
            "Answered (%)",
            "Solved (%)",
            "Median first reply (hours)",
            "Flags",
        ],
        rows=rows,
        empty="No activity from any organization in this period.",
    )


def _terms_table(terms: list[TermSeries]) -> Table:
    total = sum(item.current for item in terms)
    rows = [
        [
            Cell(item.term.display_name, item.term.term),
            count_cell(item.current),
            count_cell(item.previous),
            Cell(f"{item.current - item.previous:+,}", item.current - item.previous),
            percent_cell(share(item.current, total)),
        ]
        for item in sorted(terms, key=lambda t: (-t.current, t.term.term.lower()))
    ]
    return Table(
        name="terms",
        title="Mentions per term",
        columns=["Term", "Mentions", "Previous period", "Change", "Share of voice"],
        csv_columns=["Term", "Mentions", "Previous period", "Change", "Share of voice (%)"],
        rows=rows,
        empty="No terms followed yet.",
    )


def unanswered_questions(viewer, *, space=None, organization=None, hours: int, now):
    """Questions nobody answered for ``hours``: through the one door, so a title the viewer
    may not read never appears. Private conversations are never questions."""
    from accounts.models import OrganizationMembership

    qs = Thread.objects.visible_to(viewer).filter(
        kind=Thread.Kind.QUESTION,
        space__isnull=False,
        first_reply_at__isnull=True,
        accepted_post__isnull=True,
        is_locked=False,
        created_at__lt=now - timedelta(hours=hours),
    )
    if space is not None:
        qs = qs.filter(space=space)
    if organization is not None:
        qs = qs.filter(
            author_id__in=OrganizationMembership.objects.filter(organization=organization).values(
                "user_id"
            )
        )
    return qs


def _unanswered(viewer, space, organization, hours_waiting: int, now) -> tuple[Table, int]:
    qs = unanswered_questions(
        viewer, space=space, organization=organization, hours=hours_waiting, now=now
    )
    total = qs.count()
    threads = list(
        qs.select_related("space", "author").order_by("created_at", "pk")[:UNANSWERED_LIMIT]
    )
    rows = []
    for thread in threads:
        waited = (now - thread.created_at).total_seconds()
        rows.append(
            [
                Cell(thread.title, url=thread.get_absolute_url()),
                Cell(thread.space.name, url=thread.space.get_absolute_url()),
                Cell(
                    thread.author.name, thread.author.username, url=thread.author.get_absolute_url()
                ),
                Cell(
                    date_format(timezone.localtime(thread.created_at), "j M Y, H:i"),
                    timezone.localtime(thread.created_at).isoformat(timespec="minutes"),
                ),
                Cell(format_duration(waited), hours(waited)),
            ]
        )
    return (
        Table(
            name="unanswered",
            title=f"Unanswered for more than {hours_waiting} hours",
            columns=["Question", "Space", "Asked by", "Asked", "Waiting"],
            csv_columns=["Question", "Space", "Asked by", "Asked", "Waiting (hours)"],
            rows=rows,
            empty="Every question older than that has an answer. Nothing to do here.",
            numeric_from=4,
        ),
        total,
    )
