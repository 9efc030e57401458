import re

import pytest
from django.urls import reverse

from forums import services
from forums.models import Post, Space, Thread

from .factories import OrganizationMembershipFactory, SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def space():
    return SpaceFactory(slug="dashboards", name="Dashboards")


def test_space_page_lists_threads_and_filters_them(client, member, other_member, space):
    solved = ask(member, space, title="Solved one")
    services.answer_accept(actor=member, post=reply(other_member, solved))
    ask(member, space, title="Nobody answered")
    answered = ask(member, space, title="Answered not solved")
    reply(other_member, answered)

    def titles(query=""):
        html = client.get(f"/s/dashboards/{query}").content.decode()
        return set(re.findall(r'class="thread-title"><a href="[^"]+">([^<]+)</a>', html))

    assert titles() == {"Solved one", "Nobody answered", "Answered not solved"}
    assert titles("?show=unanswered") == {"Nobody answered"}
    assert titles("?show=unsolved") == {"Nobody answered", "Answered not solved"}
    assert titles("?show=solved") == {"Solved one"}


def test_thread_page_shows_official_and_accepted_answers(
    client, member, other_member, staff, space
):
    thread = ask(member, space)
    peer = reply(other_member, thread, body="Peer tip")
    reply(staff, thread, body="The **official** way", official=True)
    services.answer_accept(actor=member, post=peer)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "★ Official answer" in html and "<strong>official</strong>" in html
    assert "✓ Accepted answer" in html
    assert "✓ Solved" in html


def test_permalinks_land_on_the_right_page(client, member, other_member, space):
    thread = ask(member, space)
    for _ in range(24):
        reply(other_member, thread)
    response = client.get(f"/t/{thread.slug}/{thread.pk}/23/")
    assert response.status_code == 302
    assert response["Location"] == f"/t/{thread.slug}/{thread.pk}/?page=2#post-23"
    page2 = client.get(f"/t/{thread.slug}/{thread.pk}/?page=2").content.decode()
    assert 'id="post-23"' in page2 and 'id="post-20"' not in page2


def test_a_wrong_slug_redirects_to_the_canonical_url(client, member, space):
    thread = ask(member, space)
    response = client.get(f"/t/old-title/{thread.pk}/")
    assert response.status_code == 301 and response["Location"] == thread.get_absolute_url()


def test_private_spaces_answer_404_to_outsiders(client, member, space):
    org_member = UserFactory()
    membership = OrganizationMembershipFactory(user=org_member)
    private = SpaceFactory(visibility="organization", organization=membership.organization)
    thread = ask(org_member, private, title="Our secret rollout plan")
    for who in (None, member):
        if who:
            client.force_login(who)
        assert client.get(private.get_absolute_url()).status_code == 404
        assert client.get(thread.get_absolute_url()).status_code == 404
        assert "secret rollout" not in client.get("/").content.decode()
    client.force_login(org_member)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_reply_errors_keep_what_was_typed(client, member, space):
    thread = ask(member, space)
    client.force_login(member)
    typed = "x" * 50_001
    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": typed, "client_token": "t1"}
    )
    assert response.status_code == 400
    assert "limited to 50,000 characters" in response.content.decode()
    assert typed in response.content.decode()
    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": "   ", "client_token": "t2"}
    )
    assert "Write something before posting." in response.content.decode()
    assert Post.objects.count() == 1


def test_a_double_clicked_reply_posts_once(client, member, other_member, space):
    thread = ask(member, space)
    client.force_login(other_member)
    data = {"body": "Same text", "client_token": "double-click"}
    first = client.post(reverse("forums:reply", args=[thread.pk]), data)
    second = client.post(reverse("forums:reply", args=[thread.pk]), data)
    assert first.status_code == second.status_code == 302
    assert thread.posts.count() == 2


def test_asking_through_the_form(client, member, space):
    client.force_login(member)
    url = reverse("forums:thread_create", args=[space.slug])
    bad = client.post(
        url, {"kind": "question", "title": "t" * 201, "body": "Keep me", "client_token": "a"}
    )
    assert bad.status_code == 400
    content = bad.content.decode()
    assert "under 200 characters" in content and "Keep me" in content
    good = client.post(
        url,
        {
            "kind": "question",
            "title": "How to share a dashboard?",
            "body": "Details",
            "tags": "sharing, dashboards",
            "client_token": "b",
        },
    )
    thread = Thread.objects.get()
    assert good["Location"] == thread.get_absolute_url()
    assert set(thread.tags.names()) == {"sharing", "dashboards"}


def test_members_cannot_choose_announcement(client, member, space):
    client.force_login(member)
    url = reverse("forums:thread_create", args=[space.slug])
    response = client.post(
        url, {"kind": "announcement", "title": "Hi", "body": "x", "client_token": "a"}
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_reply_to_a_locked_thread_is_refused_clearly(
    client, member, other_member, moderator, space
):
    thread = ask(member, space)
    services.thread_moderate(actor=moderator, thread=thread, locked=True)
    client.force_login(other_member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This thread is locked" in page
    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": "hi", "client_token": "z"}
    )
    assert response.status_code == 403


def test_replying_to_a_deleted_thread_is_404(client, member, space):
    thread = ask(member, space)
    services.post_delete(actor=member, post=thread.posts.get())
    client.force_login(member)
    response = client.post(
        reverse("forums:reply", args=[thread.pk]), {"body": "hi", "client_token": "z"}
    )
    assert response.status_code == 404


def test_other_members_cannot_edit_accept_or_mark_official(client, member, other_member, space):
    thread = ask(member, space)
    answer = reply(member, thread, body="self answer")
    client.force_login(other_member)
    assert client.get(reverse("forums:post_edit", args=[answer.pk])).status_code == 403
    assert client.post(reverse("forums:post_accept", args=[answer.pk])).status_code == 403
    assert client.post(reverse("forums:post_official", args=[answer.pk])).status_code == 403


def test_reactions_toggle_with_htmx(client, member, other_member, space):
    thread = ask(member, space)
    post = thread.posts.get()
    client.force_login(other_member)
    url = reverse("forums:post_react", args=[post.pk, "helpful"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "<html" not in response.content.decode()
    post.refresh_from_db()
    assert post.helpful_count == 1


def test_preview_uses_the_safe_renderer(client, member):
    client.force_login(member)
    response = client.post(reverse("forums:preview"), {"body": "**hi** <script>alert(1)</script>"})
    html = response.content.decode()
    assert "<strong>hi</strong>" in html and "<script" not in html


def test_tag_pages_show_only_visible_threads(client, member, space):
    ask(member, space, title="Public tagged", tags=["exports"])
    org_member = UserFactory()
    membership = OrganizationMembershipFactory(user=org_member)
    private = SpaceFactory(visibility="organization", organization=membership.organization)
    ask(org_member, private, title="Private tagged", tags=["exports", "internal"])
    html = client.get("/tags/exports/").content.decode()
    assert "Public tagged" in html and "Private tagged" not in html
    assert client.get("/tags/internal/").status_code == 404


def test_staff_manage_spaces_and_members_cannot(client, member, staff):
    client.force_login(member)
    assert client.get(reverse("forums:space_create")).status_code == 403
    client.force_login(staff)
    response = client.post(
        reverse("forums:space_create"),
        {
            "name": "Alerts",
            "slug": "alerts",
            "colour": "#123456",
            "visibility": "public",
            "language": "en",
            "position": 3,
        },
    )
    assert response.status_code == 302
    assert Space.objects.get(slug="alerts").name == "Alerts"


def test_unread_markers_and_jump_to_first_unread(client, member, other_member, space):
    thread = ask(member, space)
    client.force_login(member)
    client.get(thread.get_absolute_url())
    reply(other_member, thread)
    reply(other_member, thread)
    html = client.get("/s/dashboards/").content.decode()
    assert "2 new" in html
    assert f'href="{thread.get_absolute_url()}2/"' in html
    client.get(thread.get_absolute_url())
    assert "2 new" not in client.get("/s/dashboards/").content.decode()


def _fill(space, author, replier, threads, posts_each):
    for i in range(threads):
        thread = ask(author, space, title=f"Question number {i}", tags=["one", f"t{i % 3}"])
        for _ in range(posts_each):
            reply(replier, thread)
    return thread


@pytest.mark.parametrize("as_member", [False, True])
def test_pages_issue_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, member, other_member, staff, as_member
):
    """Counts measured with one thread and one reply must not grow with 200 of each."""
    space = SpaceFactory(slug="q")
    small = _fill(space, member, other_member, threads=1, posts_each=1)
    if as_member:
        client.force_login(member)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = lambda t: ["/", "/s/q/", t.get_absolute_url(), "/tags/one/"]  # noqa: E731
    # Warm what any running site has cached: the branding, and who holds the Staff role
    # (through another thread: a member's first visit of a thread also records how far
    # they read, in the small thread and the big one alike).
    count("/")
    count(ask(other_member, space, title="Warm-up").get_absolute_url())
    before = [count(u) for u in urls(small)]
    big = _fill(space, member, other_member, threads=200, posts_each=0)
    for _ in range(200):
        reply(staff, big, official=True)
    after = [count(u) for u in urls(big)]
    assert after == before, f"queries grew with the data: {before} -> {after}"
    assert max(after) <= 14


def test_a_held_thread_is_marked_for_its_author_and_moderators_and_absent_for_others(
    client, member, other_member, moderator, space
):
    held = ask(member, space, title="Waiting for a moderator")
    Post.objects.filter(thread=held, position=1).update(state=Post.State.PENDING)
    ask(other_member, space, title="Out in the open")

    def row_of(user, title):
        client.force_login(user) if user else client.logout()
        html = client.get("/s/dashboards/").content.decode()
        rows = re.findall(r'<li class="thread-row.*?</li>', html, flags=re.S)
        return next((row for row in rows if title in row), None)

    for viewer in (member, moderator):
        assert "Held for review" in row_of(viewer, "Waiting for a moderator")
        assert "Held for review" not in row_of(viewer, "Out in the open")
    assert row_of(other_member, "Waiting for a moderator") is None
    assert row_of(None, "Waiting for a moderator") is None
