"""Badges: the catalogue, grants on events and by the periodic sweep, where they show."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import badges
from accounts.models import Badge, ReputationEvent, User, UserBadge
from accounts.tasks import badges_sweep as badges_sweep_task
from community.events import HANDLERS
from community.models import Branding, OutboxEvent
from forums import ideas, services

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def settle(django_capture_on_commit_callbacks):
    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


@pytest.fixture
def space():
    return SpaceFactory(slug="help", allow_ideas=True)


def held(user) -> set[str]:
    return set(UserBadge.objects.filter(user=user).values_list("badge__slug", flat=True))


def test_the_catalogue_has_at_least_twelve_badges_with_clear_rules():
    assert len(badges.RULES) >= 12
    rows = {b.slug: b for b in Badge.objects.all()}
    for rule in badges.RULES:
        badge = rows[rule.slug]  # created by the badges_catalogue migration
        assert (badge.name, badge.description, badge.icon, badge.level) == (
            rule.name,
            rule.description,
            rule.icon,
            rule.level,
        )
        assert rule.description.endswith(".") and rule.triggers
    levels = {rule.level for rule in badges.RULES}
    assert levels == {"bronze", "silver", "gold"}
    expected = {
        "first-post",
        "first-solution",
        "solutions-10",
        "solutions-100",
        "helping-hand",
        "welcome-committee",
        "shipped",
        "one-year",
    }
    assert expected <= set(rows)


def test_a_first_post_earns_a_badge_once_and_announces_it(settle, member, space):
    with settle():
        ask(member, space)
    assert held(member) == {"first-post", "curious"}
    with settle():
        ask(member, space, title="Second question")
    assert UserBadge.objects.filter(user=member).count() == 2
    if HANDLERS["badge.granted"]:
        announced = OutboxEvent.objects.filter(topic="badge.granted")
        assert sorted(e.payload["badge"] for e in announced) == ["curious", "first-post"]
        assert {e.payload["user_id"] for e in announced} == {member.pk}


def test_answers_helpful_reactions_and_ideas_earn_their_badges(
    settle, member, other_member, staff, space
):
    with settle():
        question = ask(member, space)
        answer = reply(other_member, question)
    with settle():
        services.answer_accept(actor=member, post=answer)
        services.reaction_toggle(user=member, post=answer, kind="helpful")
    assert {"first-post", "first-solution", "helpful"} <= held(other_member)
    assert "solutions-10" not in held(other_member)

    with settle():
        idea = ask(member, space, title="Dark mode", kind="idea")
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="Yes")
    assert {"idea-starter", "on-the-roadmap"} <= held(member)
    assert "shipped" not in held(member)
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="done", comment="Shipped")
    assert "shipped" in held(member)
    # Taken back? Never: a badge stays even when the idea is declined later.
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="declined", comment="Rolled back")
    assert {"on-the-roadmap", "shipped"} <= held(member)


def test_ten_solutions_and_two_hundred_fifty_points(settle, member, other_member, space):
    for n in range(10):
        question = ask(member, space, title=f"Question {n}")
        answer = reply(other_member, question)
        with settle():
            services.answer_accept(actor=member, post=answer)
    assert {"first-solution", "solutions-10"} <= held(other_member)
    assert "trusted-voice" not in held(other_member)  # 150 points so far
    helpers = [UserFactory(username=f"fan{n}") for n in range(20)]
    answer = reply(other_member, ask(member, space, title="One more"))
    with settle():
        for fan in helpers:
            services.reaction_toggle(user=fan, post=answer, kind="helpful")
    assert User.objects.get(pk=other_member.pk).reputation == 250
    assert "trusted-voice" in held(other_member)


def test_voters_and_popular_ideas(settle, member, space):
    fans = [UserFactory(username=f"fan{n}") for n in range(10)]
    idea_list = [ask(member, space, title=f"Idea {n}", kind="idea") for n in range(5)]
    with settle():
        for idea in idea_list:
            ideas.idea_vote_toggle(user=fans[0], thread=idea, voted=True)
        for fan in fans[1:]:
            ideas.idea_vote_toggle(user=fan, thread=idea_list[0], voted=True)
    assert "voter" in held(fans[0]) and "voter" not in held(fans[1])
    assert "crowd-favourite" in held(member)


def test_the_welcome_committee_answers_newcomers_first_questions(settle, member, space):
    newcomers = [UserFactory(username=f"new{n}") for n in range(3)]
    for n, newcomer in enumerate(newcomers):
        first = ask(newcomer, space, title=f"My first question {n}")
        with settle():
            reply(member, first)
        if n < 2:
            assert "welcome-committee" not in held(member)
    assert "welcome-committee" in held(member)

    # Replies to someone's second question do not count.
    veteran = newcomers[0]
    second = ask(veteran, space, title="My second question")
    helper = UserFactory(username="helper")
    for newcomer in newcomers[1:]:
        with settle():
            reply(helper, ask(newcomer, space, title=f"Again from {newcomer}"))
    with settle():
        reply(helper, second)
    assert "welcome-committee" not in held(helper)


def test_the_periodic_sweep_grants_time_based_badges_and_catches_up(member, other_member, space):
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))
    ask(other_member, space)  # its handler never ran: no on-commit in this test
    Badge.objects.filter(slug="one-year").update(name="Old name")

    granted = badges_sweep_task.apply().get()

    assert granted >= 3
    assert "one-year" in held(member) and "one-year" not in held(other_member)
    assert {"first-post", "curious"} <= held(other_member)
    assert Badge.objects.get(slug="one-year").name == "One year in"
    assert badges_sweep_task.apply().get() == 0
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "accounts.badges_sweep" for entry in schedule.values())


def test_a_second_grant_is_a_harmless_no_op(member, space):
    ask(member, space)
    first = badges.badges_check(user_ids=[member.pk], triggers={badges.POST})
    UserBadge.objects.filter(pk__in=[g.pk for g in first[:1]]).update(reason="kept")
    again = badges.badges_check(user_ids=[member.pk], triggers={badges.POST})
    rule = badges.RULES_BY_SLUG["first-post"]
    assert badges._grant(user_id=member.pk, rule=rule, badge_id=first[0].badge_id) is None
    assert again == [] and UserBadge.objects.filter(user=member).count() == len(first)


def test_the_top_badge_is_the_highest_level(member):
    slugs = ["first-post", "solutions-10", "shipped"]
    for slug in slugs:
        UserBadge.objects.create(user=member, badge=Badge.objects.get(slug=slug))
    assert badges.top_badges([member.pk])[member.pk].slug == "shipped"
    assert [g.badge.slug for g in badges.badges_for(user=member)] == [
        "shipped",
        "solutions-10",
        "first-post",
    ]


def test_profiles_show_badges(client, member):
    UserBadge.objects.create(user=member, badge=Badge.objects.get(slug="first-post"))
    html = client.get(member.get_absolute_url()).content.decode()
    assert "Badges" in html and "First post" in html and "Wrote a first post." in html
    other = UserFactory(username="quiet")
    assert "No badges yet." in client.get(other.get_absolute_url()).content.decode()


def test_posts_show_the_authors_top_badge_and_reputation_in_one_query(
    client, member, other_member, space
):
    question = ask(member, space)
    reply(other_member, question)
    Branding.current()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(question.get_absolute_url()).content.decode()
        return len(ctx), html

    count()  # the first page view caches who holds the Staff role, as a running site has
    before, html = count()
    assert "user-badge" not in html
    for n in range(12):
        author = UserFactory(username=f"writer{n}")
        UserBadge.objects.create(user=author, badge=Badge.objects.get(slug="first-post"))
        UserBadge.objects.create(user=author, badge=Badge.objects.get(slug="shipped"))
        User.objects.filter(pk=author.pk).update(reputation=1234)
        reply(author, question, body=f"Reply {n}")
    after, html = count()
    assert after == before
    assert html.count('class="user-badge badge-gold" title="Shipped it') == 12
    assert "1,234" in html


def test_badge_counts_follow_the_reputation_ledger(member, other_member, space):
    """Accepted answers and helpful reactions are counted from the ledger, so nothing for
    one's own content counts toward a badge either."""
    ReputationEvent.objects.create(user=member, kind="answer_accepted", points=15, key="k1")
    assert badges.RULES_BY_SLUG["first-solution"].holders([member.pk, other_member.pk]) == {
        member.pk
    }
