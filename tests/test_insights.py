"""Insights: the rollups equal a direct computation over the forum's own tables, are
idempotent and rebuildable, and never count private conversations.

A community is generated over nine days: three spaces (one private to an organization), two
organizations and members without one, staff and peer answers at varied delays, accepted
answers, reactions, tags, flags decided after varied times, deflections, a deleted thread, a
held question and a private conversation that mentions a followed term. The dashboard's
numbers, read from the rollups, are compared with the same numbers computed here in plain
Python from the raw rows.
"""

import random
import statistics
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import OrganizationMembership, User
from forums import messaging, services
from forums.models import DeflectionEvent, Post, Reaction, Thread
from insights import rollups, selectors
from insights.models import (
    DailyMemberActivity,
    DailyMemberStats,
    DailyStats,
    DailyTagStats,
    DailyTermMentions,
    FlagFacts,
    QuestionFacts,
    ShareOfVoiceTerm,
)
from insights.selectors import Period
from moderation.models import Flag

from .factories import OrganizationFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db

DAYS = 9
TAGS = ["dashboards", "sql", "alerts", "billing"]
BODIES = [
    "How do I use Lumen with my warehouse?",
    "Snowflake sync is slow since Monday.",
    "LUMEN, Snowflake and BigQuery: which is best?",
    "The Lumenate plugin is not the same thing as lumen-cli.",
    "Nothing to see here, just a question about exports.",
    "lumen lumen lumen",
]


@dataclass
class Scene:
    today: object
    staff: User
    members: list
    acme: object
    globex: object
    spaces: list
    conversation: Thread
    held: Thread


def _at(day, hour, minute=0):
    start, _ = rollups.day_bounds(day)
    return start + timedelta(hours=hour, minutes=minute)


def _retime(thread: Thread, asked_at, gaps_minutes: list[int], staff_ids: set[int]) -> None:
    """Move a thread and its posts to ``asked_at`` (+ each reply's gap), as if written then."""
    posts = list(Post.objects.filter(thread=thread).order_by("position"))
    when = asked_at
    first_reply = first_staff = None
    for post, gap in zip(posts, [0, *gaps_minutes], strict=True):
        when = when + timedelta(minutes=gap)
        Post.objects.filter(pk=post.pk).update(created_at=when)
        Reaction.objects.filter(post=post).update(created_at=when + timedelta(minutes=1))
        if post.position > 1 and post.author_id != thread.author_id and post.state == "visible":
            first_reply = first_reply or when
            if post.author_id in staff_ids:
                first_staff = first_staff or when
    Thread.objects.filter(pk=thread.pk).update(
        created_at=asked_at,
        last_activity_at=when,
        first_reply_at=first_reply,
        first_staff_reply_at=first_staff,
    )


@pytest.fixture
def scene(db) -> Scene:
    rng = random.Random(20240611)
    today = timezone.localdate()
    staff = UserFactory(username="sam", roles=["Staff"])
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    members = [UserFactory(username=f"customer{n}") for n in range(6)]
    for user in members[:2]:
        OrganizationMembership.objects.create(organization=acme, user=user)
    OrganizationMembership.objects.create(organization=globex, user=members[2])
    # A member of both: counted under the first organization joined.
    OrganizationMembership.objects.create(organization=globex, user=members[1])
    for n, user in enumerate([staff, *members]):
        User.objects.filter(pk=user.pk).update(date_joined=_at(today - timedelta(days=n % DAYS), 9))
    alpha = SpaceFactory(name="Alpha", slug="alpha")
    beta = SpaceFactory(name="Beta", slug="beta")
    private = SpaceFactory(
        name="Acme private", slug="acme-private", visibility="organization", organization=acme
    )
    staff_ids = {staff.pk}
    for offset in range(DAYS):
        day = today - timedelta(days=offset)
        for space in (alpha, beta, private):
            for n in range(2):
                askers = members[:2] if space is private else members
                asker = rng.choice(askers)
                kind = Thread.Kind.QUESTION if n == 0 or rng.random() < 0.5 else "discussion"
                thread = services.thread_create(
                    author=asker,
                    space=space,
                    kind=kind,
                    title=f"{space.name} {kind} {offset}-{n}",
                    body=rng.choice(BODIES),
                    tags=rng.sample(TAGS, rng.randint(0, 2)),
                )
                gaps = []
                for _ in range(rng.choice([0, 1, 1, 2, 3])):
                    replier = rng.choice([staff, *[m for m in askers if m != asker]])
                    post = services.reply_create(
                        author=replier, thread=thread, body=rng.choice(BODIES)
                    )
                    gaps.append(rng.choice([5, 30, 90, 240, 600]))
                    if rng.random() < 0.4:
                        services.reaction_toggle(user=asker, post=post, kind="helpful")
                    if kind == Thread.Kind.QUESTION and rng.random() < 0.3:
                        services.answer_accept(actor=asker, post=post)
                    if rng.random() < 0.25:
                        reporter = rng.choice([m for m in askers if m != replier])
                        Flag.objects.create(
                            post=post,
                            reporter=reporter,
                            reason=Flag.Reason.SPAM,
                            created_at=_at(day, 20),
                        )
                _retime(thread, _at(day, 1 + 3 * n + offset % 3, 7 * n), gaps, staff_ids)
                if rng.random() < 0.5:
                    DeflectionEvent.objects.create(
                        user=rng.choice(members),
                        space=space if rng.random() < 0.5 else None,
                        query="how do I",
                        thread=thread,
                        converted=rng.random() < 0.3,
                    )
    # Flags: raised at varied times, decided after varied times (some still open).
    for n, flag in enumerate(Flag.objects.order_by("pk")):
        raised = flag.post.created_at + timedelta(minutes=10 + n)
        resolved = None if n % 3 == 0 else raised + timedelta(minutes=15 * (n + 1))
        Flag.objects.filter(pk=flag.pk).update(
            created_at=raised, resolved_at=resolved, status="open" if resolved is None else "upheld"
        )
    # Deflections spread over the days of the threads they opened.
    for event in DeflectionEvent.objects.select_related("thread"):
        DeflectionEvent.objects.filter(pk=event.pk).update(
            created_at=event.thread.created_at - timedelta(minutes=3)
        )
    # Noise that must never count: a deleted question, a private conversation, a held post.
    gone = services.thread_create(
        author=members[3], space=alpha, kind="question", title="Deleted one", body="Lumen?"
    )
    services.post_delete(actor=members[3], post=gone.posts.get(position=1))
    conversation = messaging.conversation_start(
        author=members[0], to=members[3].username, title="Secret Lumen plans", body="Lumen!"
    )
    services.reply_create(author=members[3], thread=conversation, body="Lumen Lumen")
    held = services.thread_create(
        author=members[4], space=beta, kind="question", title="Held question", body="Lumen"
    )
    Post.objects.filter(thread=held).update(state=Post.State.PENDING)
    for thread in (gone, conversation, held):
        _retime(
            thread,
            _at(today - timedelta(days=1), 3),
            [5] * (thread.posts.count() - 1),
            staff_ids,
        )
    # Visits: members last seen on different days.
    for n, user in enumerate(members):
        User.objects.filter(pk=user.pk).update(last_login=_at(today - timedelta(days=n), 8))
    for term in ("Lumen", "Snowflake", "BigQuery"):
        ShareOfVoiceTerm.objects.create(term=term)
    return Scene(
        today=today,
        staff=staff,
        members=members,
        acme=acme,
        globex=globex,
        spaces=[alpha, beta, private],
        conversation=conversation,
        held=held,
    )


# --- the direct computation: plain Python over the raw rows ---------------------------------


def _local(moment):
    return timezone.localtime(moment).date()


def _primary_org(user_id):
    row = (
        OrganizationMembership.objects.filter(user_id=user_id)
        .order_by("joined_at", "pk")
        .values_list("organization_id", flat=True)
        .first()
    )
    return row


def _published_thread(thread: Thread) -> bool:
    opening = thread.posts.get(position=1)
    return (
        thread.space_id is not None
        and thread.kind != "message"
        and not thread.is_deleted
        and opening.state == "visible"
    )


def _published_post(post: Post) -> bool:
    thread = post.thread
    return (
        post.state == "visible"
        and not post.is_deleted
        and thread.space_id is not None
        and not thread.is_deleted
        and thread.kind != "message"
    )


def _keep(space_id, user_id, space=None, org=None) -> bool:
    if space is not None and space_id != space.pk:
        return False
    return org is None or _primary_org(user_id) == org.pk


def direct(period: Period, *, space=None, org=None) -> dict:
    inside = lambda moment: period.start <= _local(moment) <= period.end  # noqa: E731
    threads = [
        t
        for t in Thread.objects.all()
        if _published_thread(t)
        and inside(t.created_at)
        and _keep(t.space_id, t.author_id, space, org)
    ]
    posts = [
        p
        for p in Post.objects.select_related("thread")
        if _published_post(p)
        and inside(p.created_at)
        and _keep(p.thread.space_id, p.author_id, space, org)
    ]
    reactions = [
        r
        for r in Reaction.objects.select_related("post__thread")
        if _published_post(r.post)
        and inside(r.created_at)
        and _keep(r.post.thread.space_id, r.user_id, space, org)
    ]
    questions = [t for t in threads if t.kind == "question"]
    answered = [t for t in questions if t.first_reply_at]
    peer = [
        t
        for t in answered
        if t.first_staff_reply_at is None or t.first_reply_at < t.first_staff_reply_at
    ]

    def median(values):
        return statistics.median(values) if values else None

    def seconds(later, earlier):
        return int((later - earlier).total_seconds())

    flags = [
        f
        for f in Flag.objects.select_related("post__thread")
        if f.post.thread.space_id
        and f.post.thread.kind != "message"
        and inside(f.created_at)
        and _keep(f.post.thread.space_id, f.post.author_id, space, org)
    ]
    deflections = [
        e
        for e in DeflectionEvent.objects.select_related("thread")
        if not e.converted
        and inside(e.created_at)
        and _keep(e.space_id or e.thread.space_id, e.user_id, space, org)
    ]
    active = {p.author_id for p in posts} | {r.user_id for r in reactions}
    if space is None:
        active |= {
            u.pk
            for u in User.objects.all()
            if u.last_login and inside(u.last_login) and _keep(None, u.pk, None, org)
        }
    joined = None
    if space is None:
        joined = sum(
            1 for u in User.objects.all() if inside(u.date_joined) and _keep(None, u.pk, None, org)
        )
    tags: dict[str, int] = {}
    for thread in threads:
        for tag in thread.tags.all():
            tags[tag.name] = tags.get(tag.name, 0) + 1
    mentions = {}
    for term in ShareOfVoiceTerm.objects.all():
        pattern = rollups.mention_pattern(term.term)
        mentions[term.term] = sum(1 for p in posts if pattern.search(p.body))
    return {
        "New members": joined,
        "Active members": len(active),
        "Threads": len(threads),
        "Posts": len(posts),
        "Reactions": len(reactions),
        "Deflections": len(deflections),
        "Questions asked": len(questions),
        "Answered": selectors.share(len(answered), len(questions)),
        "Solved": selectors.share(sum(1 for t in questions if t.accepted_post_id), len(questions)),
        "Answered by peers": selectors.share(len(peer), len(answered)),
        "Median first reply": median([seconds(t.first_reply_at, t.created_at) for t in answered]),
        "Median first staff reply": median(
            [
                seconds(t.first_staff_reply_at, t.created_at)
                for t in questions
                if t.first_staff_reply_at
            ]
        ),
        "Flags raised": len(flags),
        "Median moderation turnaround": median(
            [seconds(f.resolved_at, f.created_at) for f in flags if f.resolved_at]
        ),
        "tags": tags,
        "mentions": mentions,
    }


def _metrics(board) -> dict:
    return {
        metric.label: (metric.current, metric.previous)
        for _, metrics in board.metric_groups
        for metric in metrics
    }


def _assert_same(label, got, expected):
    if isinstance(expected, float) or isinstance(got, float):
        assert got == pytest.approx(expected, abs=0.01), label
    else:
        assert got == expected, label


def _snapshot() -> dict:
    models = (
        DailyStats,
        DailyMemberStats,
        DailyMemberActivity,
        DailyTagStats,
        DailyTermMentions,
        QuestionFacts,
        FlagFacts,
    )
    return {
        model.__name__: sorted(
            (
                tuple(sorted((k, v) for k, v in row.items() if k != "id"))
                for row in model.objects.values()
            ),
            key=repr,
        )
        for model in models
    }


def _rollup_all(scene):
    rollups.rollup_range(scene.today - timedelta(days=DAYS + 2), scene.today)


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["site", "space", "organization", "both"])
def test_rollups_equal_a_direct_computation(scene, scope):
    _rollup_all(scene)
    space = scene.spaces[2] if scope in ("space", "both") else None
    org = scene.acme if scope in ("organization", "both") else None
    period = Period(start=scene.today - timedelta(days=3), end=scene.today)
    board = selectors.dashboard(viewer=scene.staff, period=period, space=space, organization=org)
    got = _metrics(board)
    for which, expected in (
        (0, direct(period, space=space, org=org)),
        (1, direct(period.previous(), space=space, org=org)),
    ):
        assert expected["Threads"] > 0, "the scene has activity in both periods"
        for label, value in expected.items():
            if label in ("tags", "mentions"):
                continue
            _assert_same(
                f"{label} ({'previous' if which else 'current'})", got[label][which], value
            )
    expected = direct(period, space=space, org=org)
    top_tags = {row[0].text: row[1].value for row in board.tables["tags"].rows}
    assert top_tags == {name: n for name, n in expected["tags"].items() if n}
    mentions = {row[0].value: row[1].value for row in board.tables["terms"].rows}
    assert mentions == expected["mentions"]


def test_medians_and_shares_are_exact_on_a_small_known_case(db):
    """Four questions with known delays: the medians are the textbook ones."""
    today = timezone.localdate()
    staff = UserFactory(username="sam", roles=["Staff"])
    asker, peer = UserFactory(), UserFactory()
    space = SpaceFactory()
    delays = [(10, peer), (20, staff), (40, peer), (None, None)]
    for n, (minutes, replier) in enumerate(delays):
        thread = services.thread_create(
            author=asker, space=space, kind="question", title=f"Q{n}", body="How?"
        )
        gaps = []
        if replier is not None:
            services.reply_create(author=replier, thread=thread, body="Like this.")
            gaps = [minutes]
        _retime(thread, _at(today, 1 + n), gaps, {staff.pk})
    rollups.rollup_day(today)
    board = selectors.dashboard(viewer=staff, period=Period(today, today))
    got = {label: current for label, (current, _) in _metrics(board).items()}
    assert got["Questions asked"] == 4
    assert got["Answered"] == pytest.approx(75.0)
    assert got["Answered by peers"] == pytest.approx(200 / 3)
    assert got["Median first reply"] == pytest.approx(20 * 60)
    assert got["Median first staff reply"] == pytest.approx(20 * 60)
    assert got["Solved"] == 0


def test_rollup_is_idempotent(scene):
    _rollup_all(scene)
    first = _snapshot()
    assert first["DailyStats"] and first["QuestionFacts"] and first["DailyTermMentions"]
    _rollup_all(scene)
    rollups.rollup_day(scene.today)
    assert _snapshot() == first


def test_rebuild_command_restores_the_rollups(scene, capsys):
    _rollup_all(scene)
    expected = _snapshot()
    for model in (DailyStats, DailyTagStats, DailyTermMentions, QuestionFacts, FlagFacts):
        model.objects.all().delete()
    DailyMemberActivity.objects.filter(space__isnull=False).delete()
    first = (scene.today - timedelta(days=DAYS + 2)).isoformat()
    call_command("rebuild_insights", "--from", first, "--to", scene.today.isoformat())
    assert "Rebuilt insights for 12 days" in capsys.readouterr().out
    assert _snapshot() == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-03-10", "--to", "2025-03-01"], "swap"),
        (["--from", "yesterday"], "YYYY-MM-DD"),
        (["--to", "2999-01-01", "--from", "2998-12-01"], "future"),
    ],
)
def test_rebuild_command_refuses_bad_ranges(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("rebuild_insights", *args)


def test_private_conversations_and_held_or_deleted_threads_never_count(scene):
    _rollup_all(scene)
    ids = {scene.conversation.pk, scene.held.pk}
    assert not QuestionFacts.objects.filter(thread_id__in=ids).exists()
    yesterday = scene.today - timedelta(days=1)
    lumen = ShareOfVoiceTerm.objects.get(term="Lumen")
    counted = sum(
        DailyTermMentions.objects.filter(term=lumen, date=yesterday).values_list(
            "mentions", flat=True
        )
    )
    assert counted == direct(Period(yesterday, yesterday))["mentions"]["Lumen"]
    board = selectors.dashboard(
        viewer=scene.staff,
        period=Period(scene.today - timedelta(days=2), scene.today),
        unanswered_hours=1,
        now=timezone.now() + timedelta(days=3),
    )
    titles = {row[0].text for row in board.tables["unanswered"].rows}
    assert "Secret Lumen plans" not in titles
    assert "Deleted one" not in titles


def test_unanswered_list_goes_through_the_one_door(scene):
    """Someone who may read insights but not a private space never sees its titles there."""
    from django.contrib.auth.models import Permission

    partial = UserFactory(username="partner")
    partial.user_permissions.add(Permission.objects.get(codename="mark_official"))
    partial = User.objects.get(pk=partial.pk)
    _rollup_all(scene)
    later = timezone.now() + timedelta(days=20)
    staff_board = selectors.dashboard(
        viewer=scene.staff, period=Period(scene.today, scene.today), unanswered_hours=1, now=later
    )
    partial_board = selectors.dashboard(
        viewer=partial, period=Period(scene.today, scene.today), unanswered_hours=1, now=later
    )
    private = scene.spaces[2].name
    assert any(row[1].text == private for row in staff_board.tables["unanswered"].rows)
    assert not any(row[1].text == private for row in partial_board.tables["unanswered"].rows)
    assert private not in {row[0].text for row in partial_board.tables["spaces"].rows}


def test_beat_task_rolls_up_recent_days(scene, settings):
    from insights.tasks import rollup_recent

    settings.STOA_INSIGHTS_FACTS_DAYS = 3
    rollup_recent.delay()
    days = set(DailyStats.objects.values_list("date", flat=True))
    assert days == {scene.today, scene.today - timedelta(days=1)}
    asked = set(QuestionFacts.objects.values_list("asked_on", flat=True))
    assert asked == {scene.today - timedelta(days=n) for n in range(4)}


def test_a_new_term_has_its_past_mentions_counted(scene, django_capture_on_commit_callbacks):
    from insights import services as insight_services

    with django_capture_on_commit_callbacks(execute=True):
        term = insight_services.term_create(actor=scene.staff, term="  lumen-cli ")
    assert term.term == "lumen-cli"
    counted = sum(DailyTermMentions.objects.filter(term=term).values_list("mentions", flat=True))
    period = Period(scene.today - timedelta(days=DAYS), scene.today)
    assert counted == direct(period)["mentions"]["lumen-cli"] > 0
