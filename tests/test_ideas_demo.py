"""The demo's ideas board (community.demo.ideas): every status with votes, a merged
duplicate, members with badges. Only the ideas space and its threads are loaded, so this
stays quick; tests/test_seed_demo.py covers the whole ``seed_demo`` command."""

from collections import Counter

import pytest
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts import reputation
from accounts.models import User, UserBadge
from community.demo import PEOPLE, SPACES, THREADS, loader
from community.demo.ideas import seed_ideas
from community.demo.threads_ideas import MERGES
from forums.models import IdeaVote, Post, Thread

pytestmark = pytest.mark.django_db

IDEAS = [spec for spec in THREADS if spec.kind == "idea"]


@pytest.fixture(scope="module")
def demo_ideas(django_db_setup, django_db_blocker):
    """Loaded once for the module inside a transaction rolled back at the end; each test runs
    in its own savepoint on top."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _load()
        transaction.set_rollback(True)


def _load():
    now = timezone.now()
    result = loader.SeedResult()
    password = make_password("demo")
    users = {
        p.username: loader.user_ensure(p, password=password, now=now, result=result) for p in PEOPLE
    }
    admin = users["admin"]
    spaces = {}
    for position, spec in enumerate(s for s in SPACES if s.slug == "ideas"):
        spaces[spec.slug] = loader.space_ensure(
            spec, position=position, actor=admin, spaces=spaces, organizations={}, result=result
        )
    for spec in IDEAS:
        loader.thread_ensure(spec, space=spaces[spec.space], users=users, now=now, result=result)
    seed_ideas(specs=THREADS, now=now, result=result)
    return result


def test_the_demo_has_ideas_with_votes_in_every_status(demo_ideas):
    ideas = Thread.objects.filter(kind="idea", is_locked=False)
    statuses = Counter(ideas.values_list("idea_status", flat=True))
    assert set(statuses) == {"under_review", "planned", "in_progress", "done", "declined"}
    for status in statuses:
        assert ideas.filter(idea_status=status, vote_count__gt=0).exists(), status
    for thread in Thread.objects.filter(kind="idea"):
        assert thread.vote_count == IdeaVote.objects.filter(thread=thread).count()
        changes = Post.objects.filter(thread=thread, body__startswith="**Status:")
        assert all(post.is_official for post in changes)
        if thread.idea_status not in ("under_review", ""):
            assert changes.exists(), thread.title


def test_the_demo_merges_a_duplicate_without_double_votes(demo_ideas):
    duplicate_title, original_title = MERGES[0]
    duplicate = Thread.objects.get(title=duplicate_title)
    original = Thread.objects.get(title=original_title)
    spec_voters = {s.title: set(s.idea_voters) for s in IDEAS}
    assert duplicate.is_locked and duplicate.vote_count == 0
    expected = spec_voters[original_title] | spec_voters[duplicate_title]
    voters = set(IdeaVote.objects.filter(thread=original).values_list("user__username", flat=True))
    assert voters == expected and original.vote_count == len(expected)
    assert original.get_absolute_url() in duplicate.posts.order_by("-position").first().body_html


def test_the_demo_members_have_reputation_and_badges(demo_ideas):
    badged = UserBadge.objects.values("user").distinct().count()
    assert badged >= 8
    assert UserBadge.objects.filter(badge__slug="shipped").exists()
    assert UserBadge.objects.filter(badge__slug="on-the-roadmap").count() >= 3
    assert User.objects.filter(reputation__gt=0).count() >= 4
    # The numbers are exactly what the rules derive from the content.
    report = reputation.reputation_rebuild()
    assert (report.added, report.removed, report.members_changed) == (0, 0, 0)


def test_loading_the_demo_ideas_again_adds_nothing(demo_ideas):
    assert demo_ideas.created["votes"] > 0 and demo_ideas.created["badges"] > 0
    again = loader.SeedResult()
    posts, votes = Post.objects.count(), IdeaVote.objects.count()
    seed_ideas(specs=THREADS, now=timezone.now(), result=again)
    assert not again.created_anything, again.created
    assert (Post.objects.count(), IdeaVote.objects.count()) == (posts, votes)
