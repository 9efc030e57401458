"""Ideas: votes, official statuses, merging duplicates, the board and the roadmap."""

import os
import re
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Branding, OutboxEvent
from forums import ideas, services
from forums.models import IdeaVote, Post, Thread

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def space():
    return SpaceFactory(slug="ideas", name="Ideas", allow_ideas=True)


def propose(author, space, title="Dark mode for dashboards", **kwargs):
    return ask(
        author, space, title=title, body="The white background glares.", kind="idea", **kwargs
    )


def fresh(thread) -> Thread:
    return Thread.objects.get(pk=thread.pk)


def vote_url(thread):
    return reverse("forums:idea_vote", args=[thread.pk])


# --- votes -------------------------------------------------------------------------------


def test_a_new_idea_is_under_review_and_takes_one_vote_per_member(member, other_member, space):
    idea = propose(member, space)
    assert idea.idea_status == "under_review"

    first = ideas.idea_vote_toggle(user=other_member, thread=idea, voted=True)
    again = ideas.idea_vote_toggle(user=other_member, thread=idea, voted=True)
    assert (first.voted, first.count, first.changed) == (True, 1, True)
    assert (again.voted, again.count, again.changed) == (True, 1, False)
    assert IdeaVote.objects.filter(thread=idea).count() == fresh(idea).vote_count == 1

    ideas.idea_vote_toggle(user=member, thread=idea)  # no wanted state: flips
    assert fresh(idea).vote_count == 2
    back = ideas.idea_vote_toggle(user=other_member, thread=idea, voted=False)
    assert (back.voted, back.count) == (False, 1)
    assert ideas.idea_vote_toggle(user=other_member, thread=idea, voted=False).count == 1


def test_a_double_clicked_vote_counts_once(client, member, other_member, space):
    idea = propose(member, space)
    client.force_login(other_member)
    for _ in range(2):
        response = client.post(vote_url(idea), {"vote": "1"}, headers=HTMX)
        assert response.status_code == 200
    assert fresh(idea).vote_count == 1
    html = response.content.decode()
    assert 'aria-pressed="true"' in html and '<span class="vote-count">1</span>' in html
    assert 'name="vote" value="0"' in html  # the next click takes the vote back

    client.post(vote_url(idea), {"vote": "0"}, headers=HTMX)
    assert fresh(idea).vote_count == 0


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: real row locks and concurrent connections",
)
@pytest.mark.django_db(transaction=True)
def test_two_votes_at_the_same_moment_count_once(space):
    author, voter = UserFactory(username="ann"), UserFactory(username="vic")
    idea = propose(author, space)
    start = threading.Barrier(4)
    errors = []

    def vote():
        try:
            start.wait(timeout=10)
            ideas.idea_vote_toggle(user=voter, thread=idea, voted=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=vote) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert IdeaVote.objects.filter(thread=idea).count() == 1
    assert fresh(idea).vote_count == 1


def test_voting_on_a_closed_or_deleted_idea_says_why(client, member, other_member, staff, space):
    client.force_login(other_member)
    shipped = propose(member, space, title="Shipped one")
    ideas.idea_set_status(actor=staff, thread=shipped, status="done", comment="It's out!")
    response = client.post(vote_url(shipped), {"vote": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert "This idea has shipped, so voting on it is closed." in response.content.decode()

    locked = propose(member, space, title="Locked one")
    services.thread_moderate(actor=staff, thread=locked, locked=True)
    response = client.post(vote_url(locked), {"vote": "1"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This idea is closed (locked or merged into another)" in page

    deleted = propose(member, space, title="Deleted one")
    services.post_delete(actor=member, post=Post.objects.get(thread=deleted, position=1))
    response = client.post(vote_url(deleted), {"vote": "1"}, headers=HTMX)
    assert "This idea is no longer here" in response.content.decode()
    assert client.post(vote_url(deleted), {"vote": "1"}).status_code == 404
    assert not IdeaVote.objects.exists()

    with pytest.raises(PermissionDenied, match="shipped"):
        ideas.idea_vote_toggle(user=other_member, thread=shipped, voted=True)


def test_only_ideas_take_votes_and_only_members_vote(client, member, other_member, space):
    question = ask(member, space)
    client.force_login(other_member)
    assert client.post(vote_url(question), {"vote": "1"}).status_code == 404

    idea = propose(member, space)
    client.logout()
    response = client.post(vote_url(idea), {"vote": "1"}, headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    assert client.post(vote_url(idea), {"vote": "1"}).status_code == 302

    unverified = UserFactory(username="newbie", verified=False)
    client.force_login(unverified)
    response = client.post(vote_url(idea), {"vote": "1"}, headers=HTMX)
    assert "Verify your e-mail address before voting." in response.content.decode()
    assert fresh(idea).vote_count == 0


def test_a_private_idea_is_missing_for_outsiders(client, member, space):
    membership = OrganizationMembershipFactory()
    private = SpaceFactory(
        visibility="organization", organization=membership.organization, allow_ideas=True
    )
    idea = propose(membership.user, private, title="Our secret integration")
    with pytest.raises(Http404):
        ideas.idea_vote_toggle(user=member, thread=idea, voted=True)
    client.force_login(member)
    response = client.post(vote_url(idea), {"vote": "1"}, headers=HTMX)
    assert "secret" not in response.content.decode()
    assert "no longer here" in response.content.decode()
    assert "secret" not in client.get("/ideas/").content.decode()
    assert "secret" not in client.get("/ideas/roadmap/").content.decode()


# --- statuses ----------------------------------------------------------------------------


def test_staff_set_a_status_with_an_official_comment_and_voters_are_told(
    member, other_member, staff, space
):
    idea = propose(member, space)
    ideas.idea_vote_toggle(user=other_member, thread=idea, voted=True)

    post = ideas.idea_set_status(
        actor=staff, thread=idea, status="planned", comment="Coming next quarter."
    )

    assert fresh(idea).idea_status == "planned"
    assert post.is_official and post.author == staff and post.position == 2
    assert post.body.startswith("**Status: Under review → Planned**")
    assert "Coming next quarter." in post.body_html
    event = OutboxEvent.objects.get(topic="idea.status_changed")
    assert event.payload == {
        "thread_id": idea.pk,
        "actor_id": staff.pk,
        "status": "planned",
        "previous_status": "under_review",
        "post_id": post.pk,
    }


def test_status_changes_refuse_bad_input_with_reasons(member, staff, moderator, space):
    idea = propose(member, space)
    with pytest.raises(PermissionDenied, match="Only staff"):
        ideas.idea_set_status(actor=member, thread=idea, status="planned", comment="Yes")
    with pytest.raises(PermissionDenied, match="Only staff"):
        ideas.idea_set_status(actor=moderator, thread=idea, status="planned", comment="Yes")
    with pytest.raises(ValidationError) as missing:
        ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="  ")
    assert "voters are told" in str(missing.value)
    with pytest.raises(ValidationError) as unknown:
        ideas.idea_set_status(actor=staff, thread=idea, status="someday", comment="Hmm")
    assert "Choose one of the statuses" in str(unknown.value)
    with pytest.raises(ValidationError) as same:
        ideas.idea_set_status(actor=staff, thread=idea, status="under_review", comment="Hmm")
    assert "already “Under review”" in str(same.value)
    with pytest.raises(ValidationError) as long:
        ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="x" * 50_001)
    assert "comment" in long.value.message_dict
    assert fresh(idea).idea_status == "under_review"
    assert fresh(idea).post_count == 1


def test_the_status_form_keeps_what_was_typed_and_posts_once(client, member, staff, space):
    idea = propose(member, space)
    url = reverse("forums:idea_status", args=[idea.pk])
    client.force_login(staff)

    bad = client.post(url, {"idea-status-status": "planned", "idea-status-comment": ""})
    assert bad.status_code == 400
    assert "voters are told" in bad.content.decode()

    typed = "We are on it, and here is why it took a while."
    bad = client.post(url, {"idea-status-status": "under_review", "idea-status-comment": typed})
    assert bad.status_code == 400
    content = bad.content.decode()
    assert "already “Under review”" in content and typed in content
    assert '<details class="idea-tool" open>' in content

    data = {
        "idea-status-status": "planned",
        "idea-status-comment": typed,
        "idea-status-client_token": "same-click",
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert fresh(idea).idea_status == "planned"
    assert Post.objects.filter(thread=idea, is_official=True).count() == 1
    assert OutboxEvent.objects.filter(topic="idea.status_changed").count() == 1


def test_a_member_cannot_change_a_status_through_the_form(client, member, other_member, space):
    idea = propose(member, space)
    client.force_login(other_member)
    response = client.post(
        reverse("forums:idea_status", args=[idea.pk]),
        {"idea-status-status": "done", "idea-status-comment": "Ship it"},
    )
    assert response.status_code == 403
    assert "Only staff can change an idea&#x27;s status." in response.content.decode()
    assert fresh(idea).idea_status == "under_review"
    assert "Change status" not in client.get(idea.get_absolute_url()).content.decode()


# --- merging -----------------------------------------------------------------------------


def test_merging_moves_votes_without_counting_anyone_twice(member, other_member, staff, space):
    original = propose(member, space)
    duplicate = propose(other_member, space, title="Dark theme please")
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    for voter in (member, carol):
        ideas.idea_vote_toggle(user=voter, thread=original, voted=True)
    for voter in (other_member, carol, dave):
        ideas.idea_vote_toggle(user=voter, thread=duplicate, voted=True)

    into = ideas.idea_merge(actor=staff, duplicate=duplicate, into=original, comment="Same ask.")

    assert into.vote_count == 4
    assert set(
        IdeaVote.objects.filter(thread=original).values_list("user__username", flat=True)
    ) == {
        "alice",
        "bob",
        "carol",
        "dave",
    }
    duplicate = fresh(duplicate)
    assert duplicate.is_locked and duplicate.vote_count == 0
    assert not IdeaVote.objects.filter(thread=duplicate).exists()
    pointer = Post.objects.get(thread=duplicate, position=2)
    assert original.get_absolute_url() in pointer.body_html
    assert "2 votes moved there" in pointer.body and "Same ask." in pointer.body
    assert OutboxEvent.objects.filter(topic="idea.merged").get().payload["moved_votes"] == 2
    with pytest.raises(PermissionDenied, match="merged"):
        ideas.idea_vote_toggle(user=dave, thread=duplicate, voted=True)
    with pytest.raises(ValidationError, match="already closed"):
        ideas.idea_merge(actor=staff, duplicate=duplicate, into=original)


def test_merge_refusals(client, member, other_member, staff, space):
    idea = propose(member, space)
    other = propose(member, space, title="Another")
    question = ask(member, space, title="A question")
    with pytest.raises(ValidationError, match="itself"):
        ideas.idea_merge(actor=staff, duplicate=idea, into=idea)
    with pytest.raises(ValidationError, match="not an idea"):
        ideas.idea_merge(actor=staff, duplicate=idea, into=question)
    with pytest.raises(PermissionDenied, match="Only staff and moderators"):
        ideas.idea_merge(actor=other_member, duplicate=idea, into=other)

    client.force_login(staff)
    url = reverse("forums:idea_merge", args=[idea.pk])
    response = client.post(url, {"idea-merge-into": "no such thing", "idea-merge-comment": "Dup"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is no idea with that address or number." in content
    assert "no such thing" in content and "Dup" in content

    response = client.post(url, {"idea-merge-into": other.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == other.get_absolute_url()
    assert fresh(idea).is_locked


# --- pages -------------------------------------------------------------------------------


def _titles(html: str) -> list[str]:
    return re.findall(r'class="thread-title"><a href="[^"]+">([^<]+)</a>', html)


def test_the_board_sorts_and_filters(client, member, other_member, staff, space):
    now = timezone.now()
    old = propose(member, space, title="Old favourite")
    new = propose(member, space, title="Brand new")
    hot = propose(member, space, title="Hot this week")
    people = [UserFactory(username=f"v{n}") for n in range(5)]
    for voter in people:
        ideas.idea_vote_toggle(user=voter, thread=old, voted=True)
    IdeaVote.objects.filter(thread=old).update(created_at=now - timedelta(days=40))
    for voter in people[:3]:
        ideas.idea_vote_toggle(user=voter, thread=hot, voted=True)
    Thread.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=50))
    Thread.objects.filter(pk=hot.pk).update(created_at=now - timedelta(days=20))
    shipped = propose(member, space, title="Already shipped")
    ideas.idea_set_status(actor=staff, thread=shipped, status="done", comment="Out now.")

    assert _titles(client.get("/ideas/").content.decode()) == [
        "Old favourite",
        "Hot this week",
        "Brand new",
    ]
    trending = client.get("/ideas/?sort=trending").content.decode()
    assert _titles(trending) == ["Hot this week", "Old favourite", "Brand new"]
    assert "+3 recently" in trending
    assert _titles(client.get("/ideas/?sort=newest").content.decode())[0] == "Brand new"
    assert _titles(client.get("/ideas/?status=done").content.decode()) == ["Already shipped"]
    assert len(_titles(client.get("/ideas/?status=all").content.decode())) == 4
    # Nonsense in the query string falls back to the defaults.
    assert client.get("/ideas/?sort=%00&status=nope&page=x&space=zzz").status_code == 200
    assert new.pk


def test_the_board_and_roadmap_cost_the_same_queries_for_any_size(client, member, space):
    client.force_login(member)
    Branding.current()

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def fill(n):
        for i in range(n):
            idea = propose(member, space, title=f"Idea {i}-{n}", tags=["ui", f"t{i % 3}"])
            ideas.idea_vote_toggle(user=member, thread=idea, voted=True)

    fill(1)
    urls = ["/ideas/", "/ideas/?sort=trending", "/ideas/roadmap/", "/ideas/?status=all&page=2"]
    count("/ideas/")  # the first request of a session does its once-only bookkeeping
    before = [count(u) for u in urls]
    fill(40)
    for thread in Thread.objects.filter(kind="idea")[:20]:
        ideas.idea_set_status(
            actor=UserFactory(roles=["Staff"]), thread=thread, status="planned", comment="Yes."
        )
    # New Staff members bump the roles' cache version: one request re-reads permissions.
    count("/ideas/")
    after = [count(u) for u in urls]
    assert after == before, f"queries grew with the data: {before} -> {after}"
    assert max(after) <= 12


def test_the_roadmap_groups_ideas_by_status(client, member, staff, space):
    for status, title in [
        ("planned", "Dark mode"),
        ("in_progress", "Alerts"),
        ("done", "PDF reports"),
        ("declined", "PowerPoint export"),
    ]:
        idea = propose(member, space, title=title)
        ideas.idea_set_status(actor=staff, thread=idea, status=status, comment="Decided.")
    propose(member, space, title="Share links")
    html = client.get("/ideas/roadmap/").content.decode()
    columns = re.findall(r'<section class="roadmap-column roadmap-(\w+)".*?</section>', html, re.S)
    assert columns == ["under_review", "planned", "in_progress", "done"]
    for status, title in [
        ("under_review", "Share links"),
        ("planned", "Dark mode"),
        ("in_progress", "Alerts"),
        ("done", "PDF reports"),
    ]:
        section = re.search(rf'roadmap-{status}".*?</section>', html, re.S).group(0)
        assert title in section
    assert "PowerPoint" not in html and "1 idea declined" in html


def test_the_idea_page_shows_votes_status_and_staff_tools(client, member, staff, space):
    idea = propose(member, space)
    ideas.idea_vote_toggle(user=member, thread=idea, voted=True)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert 'class="idea-panel card"' in html and "Under review" in html
    assert "Log in to vote" in html and "Change status" not in html

    client.force_login(staff)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "Change status" in html and "Merge into another idea" in html
    assert '<option value="planned" selected>' in html

    client.force_login(member)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in html and "Change status" not in html


def test_space_lists_show_the_vote_button_in_the_viewers_state(client, member, other_member, space):
    voted = propose(member, space, title="Voted idea")
    propose(member, space, title="Not voted idea")
    ideas.idea_vote_toggle(user=other_member, thread=voted, voted=True)
    client.force_login(other_member)
    html = client.get(space.get_absolute_url()).content.decode()
    assert html.count('class="vote-box') == 2
    assert html.count('class="vote-button" aria-pressed="true"') == 1
    assert f'id="vote-{voted.pk}"' in html


def test_idea_thread_page_queries_do_not_grow(client, member, other_member, staff, space):
    idea = propose(member, space)
    reply(other_member, idea)
    client.force_login(member)
    Branding.current()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(idea.get_absolute_url()).status_code == 200
        return len(ctx)

    count()  # the first request of a session does its once-only bookkeeping
    before = count()
    for n in range(15):
        voter = UserFactory(username=f"fan{n}")
        ideas.idea_vote_toggle(user=voter, thread=idea, voted=True)
        reply(voter, idea, body=f"Me too {n}")
    ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="Yes.")
    count()  # reading the new posts moves the read marker once
    assert count() == before


def test_votes_repair_recounts_from_the_rows(member, other_member, space):
    idea = propose(member, space)
    ideas.idea_vote_toggle(user=other_member, thread=idea, voted=True)
    Thread.objects.filter(pk=idea.pk).update(vote_count=42)
    assert ideas.idea_votes_synchronize(thread=idea).vote_count == 1
