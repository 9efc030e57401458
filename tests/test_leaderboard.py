"""/leaderboard/: top contributors per week, month and all time, overall and per space."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import reputation
from accounts.models import ReputationEvent
from community.models import Branding

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def earn(user, space, points_kind="answer_accepted", *, days_ago=0, n=1):
    """Ledger rows as the handlers write them, dated ``days_ago``."""
    for _ in range(n):
        key = f"{reputation.space_prefix(space.pk)}t1:p{ReputationEvent.objects.count() + 1}:x"
        event = ReputationEvent.objects.create(
            user=user, kind=points_kind, points=reputation.POINTS[points_kind], key=key
        )
        ReputationEvent.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )


def names(html: str) -> list[str]:
    return re.findall(r'<small class="leader-handle">@([^<]+)</small>', html)


@pytest.fixture
def spaces():
    return SpaceFactory(slug="help"), SpaceFactory(slug="api")


def test_periods_count_only_their_window(client, member, other_member, spaces):
    help_space, _ = spaces
    earn(member, help_space, days_ago=2)
    earn(other_member, help_space, days_ago=20, n=3)
    earn(UserFactory(username="old"), help_space, days_ago=200, n=5)

    assert names(client.get("/leaderboard/?period=week").content.decode()) == ["alice"]
    assert names(client.get("/leaderboard/").content.decode()) == ["bob", "alice"]  # month
    html = client.get("/leaderboard/?period=all").content.decode()
    assert names(html) == ["old", "bob", "alice"]
    assert "<strong>75</strong>" in html


def test_per_space_and_staff_left_out_unless_asked(client, member, staff, spaces):
    help_space, api = spaces
    earn(member, help_space, n=1)
    earn(staff, help_space, n=4)
    other = UserFactory(username="carol")
    earn(other, api, n=2)

    assert names(client.get("/leaderboard/").content.decode()) == ["carol", "alice"]
    with_staff = client.get("/leaderboard/?staff=1").content.decode()
    assert names(with_staff) == ["sam", "carol", "alice"]
    assert 'class="pill pill-official">Staff' in with_staff
    assert names(client.get("/leaderboard/?space=help").content.decode()) == ["alice"]
    assert names(client.get("/leaderboard/?space=api&staff=1").content.decode()) == ["carol"]


def test_a_private_space_board_is_missing_for_outsiders(client, member):
    membership = OrganizationMembershipFactory()
    private = SpaceFactory(
        slug="acme", visibility="organization", organization=membership.organization
    )
    earn(membership.user, private)
    assert client.get("/leaderboard/?space=acme").status_code == 404
    client.force_login(member)
    assert client.get("/leaderboard/?space=acme").status_code == 404
    assert "acme" not in client.get("/leaderboard/").content.decode().lower().split("<main")[1]
    client.force_login(membership.user)
    html = client.get("/leaderboard/?space=acme").content.decode()
    assert names(html) == [membership.user.username]


def test_bad_parameters_fall_back_to_the_defaults(client, member, spaces):
    earn(member, spaces[0])
    response = client.get("/leaderboard/?period=forever&staff=maybe")
    assert response.status_code == 200
    assert names(response.content.decode()) == ["alice"]
    assert client.get("/leaderboard/?space=does-not-exist").status_code == 404
    empty = client.get("/leaderboard/?period=week&space=api").content.decode()
    assert "No points earned this week in" in empty


def test_the_viewer_sees_their_own_place_below_the_top(client, member, spaces, monkeypatch):
    from accounts import leaderboard

    monkeypatch.setattr(leaderboard, "LIMIT", 2)
    for n in range(3):
        earn(UserFactory(username=f"top{n}"), spaces[0], n=3 + n)
    earn(member, spaces[0])
    client.force_login(member)
    html = client.get("/leaderboard/").content.decode()
    assert names(html) == ["top2", "top1"]
    assert "You: <strong>15</strong> points, place 4." in html


def test_the_leaderboard_costs_the_same_queries_for_any_size(client, member, spaces):
    client.force_login(member)
    Branding.current()

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    earn(member, spaces[0])
    earn(UserFactory(username="first"), spaces[0], n=2)
    urls = ["/leaderboard/", "/leaderboard/?period=all&staff=1", "/leaderboard/?space=help"]
    count(urls[0])
    before = [count(u) for u in urls]
    for n in range(60):
        earn(UserFactory(username=f"m{n}", roles=["Staff"] if n % 7 == 0 else []), spaces[n % 2])
    # New Staff members bump the roles' cache version: one request re-reads permissions.
    count(urls[0])
    after = [count(u) for u in urls]
    assert after == before, f"queries grew with the data: {before} -> {after}"
    assert max(after) <= 12
